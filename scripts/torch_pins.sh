# The torch build scripts/setup.sh and scripts/lock.sh install first, per architecture (sourced; sets TORCH). x86_64:
# a CUDA build that also runs on the CPU (~5.5 GB), with the torchvision that imports beside it, so that no other
# package pulls another torch and every processor (Qwen-VL, GLM-4V, Llama 4, InternVL ...) works.
case "$(uname -m)" in
  aarch64|arm64) TORCH="torch==2.9.1 torchvision==0.24.1" ;;
  *) TORCH="torch==2.14.1 torchvision==0.29.1" ;;
esac
